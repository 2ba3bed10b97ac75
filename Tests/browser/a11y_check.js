// A focused accessibility check, run in the page through the DevTools
// protocol: language attributes, labels and names, contrast (WCAG 2.1 AA),
// visible focus, headings and landmarks, and reflow (no sideways scrolling).
// Returns a list of violations; an empty list passes.
(() => {
  const violations = [];
  const seen = new Set();
  const describe = (el) => {
    if (!el || !el.tagName) return String(el);
    let text = el.tagName.toLowerCase();
    if (el.id) text += "#" + el.id;
    if (typeof el.className === "string" && el.className.trim()) text += "." + el.className.trim().split(/\s+/).join(".");
    return text;
  };
  const add = (rule, el, detail) => {
    const key = rule + "|" + describe(el) + "|" + detail;
    if (seen.has(key)) return;
    seen.add(key);
    violations.push({ rule, element: describe(el), detail: String(detail).slice(0, 160) });
  };
  const visible = (el) => {
    const style = getComputedStyle(el);
    const box = el.getBoundingClientRect();
    return style.visibility !== "hidden" && style.display !== "none" && (box.width > 0 || box.height > 0);
  };

  // Language of the page and of parts in another language.
  const tag = /^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*$/;
  const lang = document.documentElement.getAttribute("lang");
  if (!lang || !tag.test(lang)) add("html-lang", document.documentElement, "missing or invalid lang: " + lang);
  document.querySelectorAll("[lang]").forEach((el) => {
    if (!tag.test(el.getAttribute("lang"))) add("lang-valid", el, el.getAttribute("lang"));
  });
  if (!document.title.trim()) add("document-title", document.documentElement, "empty title");
  if (!document.querySelector('meta[name="viewport"]')) add("viewport", document.documentElement, "no viewport meta element");

  // Every form control has a label; every link and button a name.
  document.querySelectorAll("input, select, textarea").forEach((el) => {
    if (["hidden", "submit", "button", "reset"].includes(el.type)) return;
    const labelled = (el.id && document.querySelector('label[for="' + CSS.escape(el.id) + '"]')) || el.closest("label")
      || el.getAttribute("aria-label") || el.getAttribute("aria-labelledby");
    if (!labelled) add("label", el, "form control without a label");
  });
  const accessibleName = (el) => (el.getAttribute("aria-label") || el.innerText || el.textContent || el.getAttribute("title") || "").trim();
  document.querySelectorAll("a[href], button, summary, [role=button]").forEach((el) => {
    if (!accessibleName(el)) add("name", el, "link or button without a name");
  });
  document.querySelectorAll("img").forEach((el) => { if (!el.hasAttribute("alt")) add("image-alt", el, "image without alt"); });
  document.querySelectorAll("svg[role=img]").forEach((el) => {
    if (!el.getAttribute("aria-label") && !el.querySelector("title")) add("svg-name", el, "chart without a name");
  });
  document.querySelectorAll("table").forEach((el) => {
    if (visible(el) && !el.querySelector("th")) add("table-headers", el, "table without header cells");
  });

  // Structure: one h1, no skipped heading levels, a main landmark, unique ids.
  const h1 = document.querySelectorAll("h1").length;
  if (h1 !== 1) add("h1", document.body, h1 + " h1 elements");
  let previous = 0;
  document.querySelectorAll("h1, h2, h3, h4, h5, h6").forEach((h) => {
    const level = Number(h.tagName[1]);
    if (previous && level > previous + 1) add("heading-order", h, "h" + previous + " then h" + level);
    previous = level;
  });
  if (!document.querySelector("main")) add("landmark", document.body, "no main element");
  const ids = {};
  document.querySelectorAll("[id]").forEach((el) => { ids[el.id] = (ids[el.id] || 0) + 1; });
  Object.keys(ids).forEach((id) => { if (ids[id] > 1) add("duplicate-id", document.getElementById(id), id); });

  // Contrast of every visible text against its painted background.
  const parse = (color) => {
    const match = /rgba?\(([^)]+)\)/.exec(color || "");
    if (!match) return null;
    const parts = match[1].split(/[\s,\/]+/).filter(Boolean).map(Number);
    return { r: parts[0], g: parts[1], b: parts[2], a: parts.length > 3 ? parts[3] : 1 };
  };
  const over = (top, bottom) => ({
    r: top.r * top.a + bottom.r * (1 - top.a), g: top.g * top.a + bottom.g * (1 - top.a),
    b: top.b * top.a + bottom.b * (1 - top.a), a: 1,
  });
  const luminance = ({ r, g, b }) => {
    const channel = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
  };
  const backgroundOf = (el) => {
    const layers = [];
    for (let node = el; node; node = node.parentElement) {
      const colour = parse(getComputedStyle(node).backgroundColor);
      if (colour && colour.a > 0) { layers.push(colour); if (colour.a >= 1) break; }
    }
    let colour = { r: 255, g: 255, b: 255, a: 1 };
    for (let i = layers.length - 1; i >= 0; i--) colour = over(layers[i], colour);
    return colour;
  };
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (!el || !node.textContent.trim() || el.closest("svg") || !visible(el)) continue;
    const style = getComputedStyle(el);
    const background = backgroundOf(el);
    const foreground = over(parse(style.color) || { r: 0, g: 0, b: 0, a: 1 }, background);
    const [light, dark] = [luminance(foreground), luminance(background)].sort((x, y) => y - x);
    const ratio = (light + 0.05) / (dark + 0.05);
    const size = parseFloat(style.fontSize);
    const large = size >= 24 || (Number(style.fontWeight) >= 700 && size >= 18.66);
    if (ratio < (large ? 3 : 4.5)) add("contrast", el, ratio.toFixed(2) + ":1 for " + JSON.stringify(node.textContent.trim().slice(0, 30)));
  }

  // Keyboard: everything focusable takes focus and shows it; no positive tabindex.
  const focusable = document.querySelectorAll(
    'a[href], button, input:not([type="hidden"]), select, textarea, summary, [tabindex]:not([tabindex="-1"])');
  focusable.forEach((el) => {
    if (Number(el.getAttribute("tabindex")) > 0) add("tabindex", el, "positive tabindex");
    if (!visible(el) && !el.classList.contains("skip")) return;
    el.focus();
    if (document.activeElement !== el) { add("focusable", el, "does not take focus"); return; }
    const style = getComputedStyle(el);
    const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0;
    const shadow = style.boxShadow && style.boxShadow !== "none";
    if (!outline && !shadow) add("focus-visible", el, "no visible focus indicator");
    el.blur();
  });

  // Reflow: no sideways scrolling at this width.
  const width = document.documentElement.scrollWidth;
  if (width > window.innerWidth + 1) add("reflow", document.documentElement, "content is " + width + "px wide in a " + window.innerWidth + "px window");
  return violations;
})()
