// Once django-otp-webauthn has saved a new passkey, reload so the list shows it.
document.addEventListener("otp_webauthn.register_complete", () => {
  window.location.reload();
});
