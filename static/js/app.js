document.documentElement.classList.add("js"); // CSS may hide controls that only scripts make unnecessary

// Small behaviours the pages share. No inline scripts anywhere: the CSP forbids them.

// Close the account menu when tapping outside it.
document.addEventListener("click", (event) => {
  for (const menu of document.querySelectorAll("details.menu[open]")) {
    if (!menu.contains(event.target)) menu.removeAttribute("open");
  }
});

import "./checklist.js";
import "./pwa.js";
import "./scanner.js";
import "./offline/online.js";
