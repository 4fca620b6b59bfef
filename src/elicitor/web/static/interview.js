// Interview page: sends answers without reloading the page, streams the next question
// over server-sent events and moves focus to it. Without JavaScript the same forms post
// normally and the server redirects back, so everything here is an enhancement.
(function () {
  "use strict";

  var root = document.getElementById("interview");
  if (!root) {
    return;
  }
  var api = root.getAttribute("data-api");
  var wide = window.matchMedia("(min-width: 900px)");
  var SHORTCUTS = { skip: "skip", dont_know: "I don't know" };

  function setUpPanel() {
    var details = document.getElementById("panel-details");
    if (!details) {
      return;
    }
    var target = window.location.hash.indexOf("#claim-") === 0
      ? document.getElementById(window.location.hash.slice(1))
      : null;
    // On a phone the panel is a drawer, closed until asked for, unless a claim was just edited.
    details.classList.toggle("drawer", !wide.matches);
    details.open = wide.matches || target !== null;
    if (target) {
      target.scrollIntoView({ block: "center" });
    }
  }

  function focusQuestion() {
    var heading = document.getElementById("question-heading");
    if (heading) {
      heading.focus();
    }
  }

  function showError(form, message) {
    var box = form.querySelector(".error");
    if (box) {
      box.textContent = message;
    }
  }

  function setBusy(form, busy) {
    var buttons = form.querySelectorAll("button");
    for (var i = 0; i < buttons.length; i += 1) {
      buttons[i].disabled = busy;
    }
    form.setAttribute("aria-busy", busy ? "true" : "false");
  }

  function errorMessage(result) {
    if (result.data && result.data.error && result.data.error.message) {
      return result.data.error.message;
    }
    return "The answer was not stored (status " + result.status + "). Try again.";
  }

  function refresh() {
    // Fetch the page again (the server has the new question by now) and swap the regions.
    fetch(window.location.pathname, { credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) {
          // An error page (rate limit, revoked link) is shown whole, not swapped in.
          window.location.reload();
          return null;
        }
        if (response.redirected) {
          window.location.href = response.url;
          return null;
        }
        return response.text();
      })
      .then(function (html) {
        if (html === null) {
          return;
        }
        var fresh = new DOMParser().parseFromString(html, "text/html");
        ["conversation", "panel", "progress-line"].forEach(function (id) {
          var next = fresh.getElementById(id);
          var current = document.getElementById(id);
          if (next && current) {
            current.innerHTML = next.innerHTML;
          }
        });
        document.title = fresh.title;
        window.history.replaceState(null, "", window.location.pathname);
        bindAnswerForm();
        setUpPanel();
        focusQuestion();
      })
      .catch(function () {
        window.location.reload();
      });
  }

  function streamNext(form) {
    var heading = document.getElementById("question-heading");
    var text = document.getElementById("question-text");
    form.hidden = true;
    heading.textContent = "Next question";
    text.textContent = "";
    text.classList.add("streaming");
    var source = new EventSource(api + "/stream");
    var finished = false;
    source.addEventListener("text", function (event) {
      text.textContent += JSON.parse(event.data).text;
    });
    source.addEventListener("prompt", function () {
      finished = true;
      source.close();
      refresh();
    });
    source.addEventListener("failed", function () {
      finished = true;
      source.close();
      refresh();
    });
    source.onerror = function () {
      if (!finished) {
        source.close();
        refresh();
      }
    };
  }

  function onSubmit(event) {
    var form = event.target;
    event.preventDefault();
    var submitter = event.submitter;
    var shortcut = submitter && submitter.name === "shortcut" ? submitter.value : "";
    var text = SHORTCUTS[shortcut] || form.elements.text.value;
    if (!text.trim()) {
      showError(form, "Type an answer, or choose I don't know or Skip.");
      return;
    }
    setBusy(form, true);
    showError(form, "");
    var body = {
      text: text,
      message_id: form.elements.message_id.value,
      expected_seq: parseInt(form.elements.expected_seq.value, 10),
      run_turn: false
    };
    fetch(api + "/answers", {
      method: "POST",
      headers: { "Content-Type": "application/json", "Accept": "application/json" },
      body: JSON.stringify(body),
      credentials: "same-origin"
    })
      .then(function (response) {
        return response.json().then(
          function (data) { return { status: response.status, data: data }; },
          function () { return { status: response.status, data: null }; }
        );
      })
      .then(function (result) {
        if (result.status === 409) {
          showError(form, "This interview changed in another window. Reloading…");
          window.location.href = window.location.pathname + "?notice=conflict";
          return;
        }
        if (result.status >= 400) {
          setBusy(form, false);
          showError(form, errorMessage(result));
          return;
        }
        forgetDraft();
        streamNext(form);
      })
      .catch(function () {
        // The same message id is sent again on retry, so a retry never stores a duplicate.
        setBusy(form, false);
        showError(form, "The server could not be reached. Send the answer again.");
      });
  }

  // A draft survives a reload (a side-panel button, a conflict with another tab) because
  // it is kept in this tab's session storage until the answer is stored.
  var draftKey = "elicitor-draft:" + window.location.pathname;

  function forgetDraft() {
    try { window.sessionStorage.removeItem(draftKey); } catch (error) { /* storage is off */ }
  }

  function keepDrafts(field) {
    try {
      var saved = window.sessionStorage.getItem(draftKey);
      if (saved && !field.value) {
        field.value = saved;
      }
    } catch (error) { /* storage is off */ }
    field.addEventListener("input", function () {
      try { window.sessionStorage.setItem(draftKey, field.value); } catch (error) { /* off */ }
    });
  }

  function bindAnswerForm() {
    var form = document.getElementById("answer-form");
    if (!form) {
      return;
    }
    keepDrafts(form.elements.text);
    form.addEventListener("submit", onSubmit);
    form.elements.text.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        form.requestSubmit();
      }
    });
  }

  bindAnswerForm();
  setUpPanel();
  if (!window.location.hash) {
    focusQuestion();
  }
})();
