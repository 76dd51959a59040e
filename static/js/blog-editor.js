/* A small rich-text editor for the article body in the admin: headings, lists,
   links and images without writing HTML. Loaded only by the admin widget.
   The server sanitizes whatever arrives (blog/richtext.py); this script only
   keeps pasted or reloaded markup inert while it is being edited. */
(function () {
  "use strict";

  var BUTTONS = [
    ["Heading", "formatBlock", "h2"],
    ["Subheading", "formatBlock", "h3"],
    ["Paragraph", "formatBlock", "p"],
    ["Bold", "bold"],
    ["Italic", "italic"],
    ["Bulleted list", "insertUnorderedList"],
    ["Numbered list", "insertOrderedList"],
    ["Link", "link"],
    ["Remove link", "unlink"],
    ["Image", "image"],
    ["Undo", "undo"],
    ["Redo", "redo"]
  ];
  var SAFE_LINK = /^(https?:\/\/|mailto:|tel:|\/|#)/i;
  var DROP = "script,style,iframe,object,embed,form,input,button,textarea,select,link,meta";

  function inert(html) {
    // DOMParser documents never run scripts; clean before adopting the nodes.
    var doc = new DOMParser().parseFromString(html, "text/html");
    doc.body.querySelectorAll(DROP).forEach(function (el) { el.remove(); });
    doc.body.querySelectorAll("*").forEach(function (el) {
      Array.prototype.slice.call(el.attributes).forEach(function (attr) {
        var name = attr.name.toLowerCase();
        var value = attr.value.trim();
        if (name.indexOf("on") === 0 || name === "style" ||
            ((name === "href" || name === "src") && !SAFE_LINK.test(value))) {
          el.removeAttribute(attr.name);
        }
      });
    });
    return doc.body;
  }

  function escapeAttr(text) {
    return text.replace(/&/g, "&amp;").replace(/"/g, "&quot;")
      .replace(/</g, "&lt;").replace(/>/g, "&gt;");
  }

  function run(editor, command, value) {
    editor.focus();
    if (command === "link") {
      var url = window.prompt("Link address (https://…, /articles/…, mailto:…)", "https://");
      if (url && SAFE_LINK.test(url.trim())) {
        document.execCommand("createLink", false, url.trim());
      }
      return;
    }
    if (command === "image") {
      var src = window.prompt(
        "Image address: upload the image under Articles › Body images and paste its address (/media/…)");
      if (!src || src.trim().charAt(0) !== "/") { return; }
      var alt = window.prompt("Describe the image for readers who cannot see it (alt text)") || "";
      document.execCommand("insertHTML", false,
        '<img src="' + escapeAttr(src.trim()) + '" alt="' + escapeAttr(alt) + '">');
      return;
    }
    document.execCommand(command, false, value ? "<" + value + ">" : null);
  }

  function init(textarea) {
    var label = document.querySelector('label[for="' + textarea.id + '"]');
    var toolbar = document.createElement("div");
    var editor = document.createElement("div");

    toolbar.setAttribute("role", "toolbar");
    toolbar.setAttribute("aria-label", "Body formatting");
    toolbar.style.display = "flex";
    toolbar.style.flexWrap = "wrap";
    toolbar.style.gap = "4px";
    toolbar.style.margin = "0 0 6px";
    BUTTONS.forEach(function (spec) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "button";
      button.textContent = spec[0];
      button.addEventListener("mousedown", function (event) { event.preventDefault(); });
      button.addEventListener("click", function () {
        run(editor, spec[1], spec[2]);
        sync();
      });
      toolbar.appendChild(button);
    });

    editor.contentEditable = "true";
    editor.className = "blog-editor";
    editor.setAttribute("role", "textbox");
    editor.setAttribute("aria-multiline", "true");
    if (label) {
      label.id = label.id || textarea.id + "-label";
      editor.setAttribute("aria-labelledby", label.id);
    }
    editor.style.minHeight = "24em";
    editor.style.maxWidth = "48em";
    editor.style.padding = "8px 12px";
    editor.style.border = "1px solid var(--border-color, #ccc)";
    editor.style.background = "var(--body-bg, #fff)";
    editor.style.color = "var(--body-fg, #333)";
    editor.style.lineHeight = "1.5";
    editor.style.overflowY = "auto";
    Array.prototype.slice.call(inert(textarea.value).childNodes).forEach(function (node) {
      editor.appendChild(document.adoptNode(node));
    });

    function sync() { textarea.value = editor.innerHTML; }
    editor.addEventListener("input", sync);
    if (textarea.form) { textarea.form.addEventListener("submit", sync); }

    textarea.hidden = true;
    textarea.parentNode.insertBefore(toolbar, textarea);
    textarea.parentNode.insertBefore(editor, textarea);
    document.execCommand("defaultParagraphSeparator", false, "p");
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("textarea.js-rich-text").forEach(init);
  });
})();
