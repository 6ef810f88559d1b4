// A form sent back with errors: the cursor goes to the first field in error, so that a keyboard
// or screen-reader user hears its label and its message at once instead of starting from the top.
(function () {
  "use strict";
  var first = document.querySelector("main [aria-invalid='true']");
  if (first && !document.querySelector("main [autofocus]")) {
    first.focus();
  }
})();
