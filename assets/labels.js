// Dash 4's dropdown names its button by the chosen value alone ("All"), which hides the label
// shown above it from screen readers. This puts the dropdown's label first in the button's
// aria-labelledby: the <label for=its id>, else the <label> just before the dropdown.
(function () {
  var labelled = 0;

  function labelOf(button) {
    var label = button.id && document.querySelector('label[for="' + CSS.escape(button.id) + '"]');
    if (label) {
      return label;
    }
    var wrapper = button.closest(".dash-dropdown-wrapper");
    var before = wrapper && wrapper.previousElementSibling;
    return before && before.tagName === "LABEL" ? before : null;
  }

  function nameDropdowns() {
    document.querySelectorAll("button.dash-dropdown:not([data-labelled])").forEach(function (button) {
      var label = labelOf(button);
      if (!label) {
        return;
      }
      label.id = label.id || "dropdown-label-" + ++labelled;
      var own = button.getAttribute("aria-labelledby") || "";
      button.setAttribute("aria-labelledby", (label.id + " " + own).trim());
      button.setAttribute("data-labelled", "");
    });
  }

  new MutationObserver(nameDropdowns).observe(document.documentElement, {
    childList: true,
    subtree: true,
  });
})();
