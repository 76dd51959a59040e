// Enhancement only: after a failed submit, move focus to the error summary so
// screen-reader and keyboard users land on the list of problems.
(function () {
  "use strict";
  var summary = document.getElementById("error-summary");
  if (summary) {
    summary.focus();
  }
})();
