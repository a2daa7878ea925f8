/**
 * The element's styles, adopted as a constructed stylesheet (no <style> element and no inline
 * style attributes, so a page's `style-src` needs nothing for it). Pages restyle it with the
 * `--speaknode-*` custom properties and `::part()`.
 */
export const css = `
:host {
  --_accent: var(--speaknode-accent, var(--_agent-accent, #2f4fe0));
  --_on-accent: var(--speaknode-on-accent, #fff);
  --_bg: var(--speaknode-background, #fff);
  --_fg: var(--speaknode-foreground, #17181c);
  --_muted: var(--speaknode-muted, #555b66);
  --_border: var(--speaknode-border, #d5d8de);
  --_agent-bubble: var(--speaknode-agent-bubble, #eef0f4);
  --_danger: var(--speaknode-danger, #b3261e);
  --_radius: var(--speaknode-radius, 14px);
  --_width: var(--speaknode-panel-width, 360px);
  --_height: var(--speaknode-panel-height, 520px);
  --_focus: var(--speaknode-focus-ring, #1a73e8);
  display: block;
  font: var(--speaknode-font, 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif);
  color: var(--_fg);
}
:host([hidden]) { display: none; }
.dark {
  --_bg: var(--speaknode-background, #1c1e24);
  --_fg: var(--speaknode-foreground, #f1f2f5);
  --_muted: var(--speaknode-muted, #b4b9c4);
  --_border: var(--speaknode-border, #3a3e48);
  --_agent-bubble: var(--speaknode-agent-bubble, #2b2e37);
  --_danger: var(--speaknode-danger, #ffb4ab);
  --_focus: var(--speaknode-focus-ring, #8ab4f8);
  --_accent: var(--speaknode-accent, var(--_agent-accent, #8fa2ff));
  --_on-accent: var(--speaknode-on-accent, #10131c);
}
.root { color: var(--_fg); }
.floating { position: fixed; bottom: 20px; z-index: var(--speaknode-z-index, 2147483000); display: flex; flex-direction: column; gap: 12px; }
.bottom-right { right: 20px; align-items: flex-end; }
.bottom-left { left: 20px; align-items: flex-start; }
button { font: inherit; cursor: pointer; border-radius: 999px; border: 1px solid transparent; padding: 8px 14px; min-height: 40px; }
button:disabled { cursor: not-allowed; opacity: .55; }
:focus-visible { outline: 3px solid var(--_focus); outline-offset: 2px; }
.primary { background: var(--_accent); color: var(--_on-accent); }
.secondary { background: transparent; color: var(--_fg); border-color: var(--_border); }
.launcher { background: var(--_accent); color: var(--_on-accent); box-shadow: 0 6px 20px rgb(0 0 0 / .22); padding: 12px 18px; font-weight: 600; }
.panel { box-sizing: border-box; background: var(--_bg); color: var(--_fg); border: 1px solid var(--_border); border-radius: var(--_radius); display: flex; flex-direction: column; overflow: hidden; }
.floating .panel { width: min(var(--_width), calc(100vw - 40px)); height: min(var(--_height), calc(100vh - 110px)); box-shadow: 0 12px 40px rgb(0 0 0 / .25); }
.inline .panel { width: 100%; min-height: 320px; height: var(--speaknode-inline-height, 100%); }
.panel[hidden] { display: none; }
.header { display: flex; align-items: center; gap: 10px; padding: 12px 14px; border-bottom: 1px solid var(--_border); }
.title { font-size: 1em; font-weight: 650; margin: 0; flex: 1; min-width: 0; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.status { color: var(--_muted); font-size: .87em; }
.status::before { content: ""; display: inline-block; width: 8px; height: 8px; border-radius: 50%; margin-right: 6px; background: var(--_muted); vertical-align: middle; }
.root[data-state="listening"] .status::before, .root[data-state="speaking"] .status::before { background: #1e8e3e; }
.root[data-state="thinking"] .status::before, .root[data-state="connecting"] .status::before { background: #e37400; animation: pulse 1.2s ease-in-out infinite; }
.root[data-state="error"] .status::before { background: var(--_danger); }
.icon { background: transparent; color: var(--_fg); border: none; padding: 6px 10px; min-width: 40px; font-size: 1.2em; line-height: 1; }
.log { flex: 1; overflow-y: auto; padding: 14px; display: flex; flex-direction: column; gap: 8px; }
.intro { color: var(--_muted); margin: auto 0; text-align: center; }
.message { max-width: 85%; padding: 8px 12px; border-radius: 14px; white-space: pre-wrap; overflow-wrap: anywhere; }
.message.agent { align-self: flex-start; background: var(--_agent-bubble); border-bottom-left-radius: 4px; }
.message.user { align-self: flex-end; background: var(--_accent); color: var(--_on-accent); border-bottom-right-radius: 4px; }
.message[aria-busy="true"]::after { content: "▍"; animation: pulse 1s steps(2) infinite; }
.speaker { position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); white-space: nowrap; }
.error { margin: 0 14px 10px; padding: 10px 12px; border-radius: 10px; border: 1px solid var(--_danger); color: var(--_danger); }
.error[hidden], [hidden] { display: none !important; }
.consent { display: flex; gap: 8px; align-items: flex-start; padding: 0 14px 10px; font-size: .92em; }
.consent input { margin-top: 3px; width: 18px; height: 18px; }
.actions { display: flex; flex-wrap: wrap; gap: 8px; align-items: center; padding: 10px 14px; border-top: 1px solid var(--_border); }
.level { flex: 1; min-width: 60px; height: 8px; border-radius: 4px; background: var(--_border); overflow: hidden; }
.level > span { display: block; height: 100%; width: 100%; background: var(--_accent); transform-origin: left; transform: scaleX(var(--level, 0)); transition: transform 80ms linear; }
.composer { display: flex; gap: 8px; padding: 10px 14px 14px; }
.composer input { flex: 1; min-width: 0; font: inherit; color: var(--_fg); background: var(--_bg); border: 1px solid var(--_border); border-radius: 999px; padding: 8px 14px; min-height: 40px; box-sizing: border-box; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); white-space: nowrap; }
@keyframes pulse { 50% { opacity: .35; } }
@media (prefers-reduced-motion: reduce) {
  *, *::before, *::after { animation: none !important; transition: none !important; }
}
`;

let sheet: CSSStyleSheet | undefined;

/** One constructed stylesheet shared by every instance on the page. */
export function widgetStyleSheet(): CSSStyleSheet {
  if (!sheet) {
    sheet = new CSSStyleSheet();
    sheet.replaceSync(css);
  }
  return sheet;
}
