// Requester pages: the Copy button next to a newly created link.
(function () {
  "use strict";

  function report(message) {
    var status = document.getElementById("copy-status");
    if (status) {
      status.textContent = message;
    }
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy]");
    if (!button) {
      return;
    }
    var input = document.querySelector(button.getAttribute("data-copy"));
    if (!input) {
      return;
    }
    input.select();
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(input.value).then(
        function () { report("Copied to the clipboard."); },
        function () { report("Copy failed; select the address and copy it by hand."); }
      );
      return;
    }
    report(document.execCommand("copy") ? "Copied to the clipboard." : "Select the address and copy it by hand.");
  });
})();
