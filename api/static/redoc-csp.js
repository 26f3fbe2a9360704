// Loaded before ReDoc on /redoc. ReDoc's styles are written into <style> elements, which
// the pages' CSP refuses (no inline style). Such an element is kept out of the document
// and given a constructed stylesheet instead: rules added through CSSOM, which the CSP
// allows, so the page is styled without loosening the policy.
(() => {
  const sheets = new WeakMap();
  const native = Object.getOwnPropertyDescriptor(HTMLStyleElement.prototype, "sheet");
  Object.defineProperty(HTMLStyleElement.prototype, "sheet", {
    configurable: true,
    get() {
      return sheets.get(this) || native.get.call(this);
    },
  });
  const adopt = (style) => {
    const sheet = new CSSStyleSheet();
    sheets.set(style, sheet);
    document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
    return style;
  };
  const insertBefore = Node.prototype.insertBefore;
  const appendChild = Node.prototype.appendChild;
  Node.prototype.insertBefore = function (node, child) {
    if (node instanceof HTMLStyleElement && this === document.head) return adopt(node);
    return insertBefore.call(this, node, child);
  };
  Node.prototype.appendChild = function (node) {
    if (node instanceof HTMLStyleElement && this === document.head) return adopt(node);
    return appendChild.call(this, node);
  };
  // ReDoc's sidebar shows its vendor's logo from another site: that image is never asked
  // for (an empty data: image fails to load, and ReDoc then leaves the logo out).
  const local = (value) => {
    const url = new URL(String(value), location.href);
    return url.protocol === "data:" || url.origin === location.origin ? value : "data:,";
  };
  const src = Object.getOwnPropertyDescriptor(HTMLImageElement.prototype, "src");
  Object.defineProperty(HTMLImageElement.prototype, "src", {
    configurable: true,
    get() {
      return src.get.call(this);
    },
    set(value) {
      src.set.call(this, local(value));
    },
  });
  const setAttribute = Element.prototype.setAttribute;
  Element.prototype.setAttribute = function (name, value) {
    const image = this instanceof HTMLImageElement && String(name).toLowerCase() === "src";
    return setAttribute.call(this, name, image ? local(value) : value);
  };
})();
