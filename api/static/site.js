// Progressive enhancement only: the pages work without it.

// --- subject codes, checked before a form is sent --------------------------------------
// The rules of core/codes.py: a citizen ID number (GB 11643-1999: division, birth date,
// sequence, ISO 7064 MOD 11-2 check character) or a unified social credit code
// (GB 32100-2015: 31-character alphabet, MOD 31 check character). The server checks
// again whatever arrives; this only spares a round trip and says what is wrong, in the
// page's language (the messages are the input's data-msg-<rule> attributes).
const CITIZEN_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CITIZEN_CHECK = "10X98765432";
const ORG_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY";
const ORG_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
const PROVINCES = new Set([
  "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
  "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64",
  "65", "71", "81", "82", "83",
]);
const DAY_MS = 86400000;

function citizenProblem(code) {
  if (!PROVINCES.has(code.slice(0, 2))) return "region";
  const year = Number(code.slice(6, 10));
  const month = Number(code.slice(10, 12));
  const day = Number(code.slice(12, 14));
  const born = new Date(Date.UTC(year, month - 1, day));
  const real = born.getUTCFullYear() === year && born.getUTCMonth() === month - 1
    && born.getUTCDate() === day;
  // A day of slack past the browser's today: the server's clock has the last word.
  if (!real || year < 1900 || born.getTime() > Date.now() + DAY_MS) return "birth_date";
  let total = 0;
  for (let i = 0; i < 17; i += 1) total += Number(code[i]) * CITIZEN_WEIGHTS[i];
  return CITIZEN_CHECK[total % 11] === code[17] ? null : "check_character";
}

function orgProblem(code) {
  let total = 0;
  for (let i = 0; i < 18; i += 1) {
    const value = ORG_ALPHABET.indexOf(code[i]);
    if (value < 0) return "charset";
    if (i < 17) total += value * ORG_WEIGHTS[i];
  }
  return ORG_ALPHABET[(31 - (total % 31)) % 31] === code[17] ? null : "check_character";
}

/** The rule a code fails (as core/codes.py names it), or null when it passes or is empty. */
function codeProblem(raw) {
  const code = raw.trim().replace(/[a-z]/g, (c) => c.toUpperCase());
  if (code === "") return null;
  if (code.length !== 18) return "length";
  if (/^[0-9]{17}[0-9X]$/.test(code)) {
    // As validate_code: a citizen shape failing only region or birth date may be an
    // organisation's code; a wrong check character is a mistyped ID number.
    const problem = citizenProblem(code);
    if (problem === null) return null;
    return problem === "check_character" || orgProblem(code) !== null ? problem : null;
  }
  return orgProblem(code);
}

function watchCode(input) {
  const out = document.getElementById(input.dataset.codeProblem || "");
  const judge = (show) => {
    const rule = codeProblem(input.value);
    const message = rule === null ? "" : input.getAttribute(`data-msg-${rule}`) || rule;
    input.setCustomValidity(message);
    if (show) {
      if (out) out.textContent = message;
      if (rule === null) input.removeAttribute("aria-invalid");
      else input.setAttribute("aria-invalid", "true");
    }
    return rule === null;
  };
  // Once a problem is shown, it follows the typing until it is gone.
  input.addEventListener("input", () => judge(Boolean(out && out.textContent)));
  input.addEventListener("change", () => judge(true));
  input.addEventListener("invalid", () => judge(true));
  input.form?.addEventListener("submit", (event) => {
    if (!judge(true)) {
      event.preventDefault();
      input.focus();
    }
  });
  judge(false);
}

for (const input of document.querySelectorAll("input[data-code-check]")) watchCode(input);

// --- forms ---------------------------------------------------------------------------
// A submitted form's button is disabled, so a double click does not post twice.
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement)) return;
  for (const button of form.querySelectorAll("button[type=submit]")) {
    window.setTimeout(() => {
      if (!event.defaultPrevented) button.disabled = true;
    }, 0);
  }
});
