/** What every webview page does first: take its handle on the host and adopt its stylesheet. */

/** The handle VS Code gives a webview page, typed by the messages it sends and the state it keeps. */
export interface VsCodeApi<TMessage, TState> {
  postMessage(message: TMessage): void;
  getState(): TState | undefined;
  setState(state: TState): void;
}

declare function acquireVsCodeApi(): VsCodeApi<unknown, unknown>;

/** The page's handle on the host; VS Code allows one call a page. */
export function vscodeApi<TMessage, TState = never>(): VsCodeApi<TMessage, TState> {
  return acquireVsCodeApi() as VsCodeApi<TMessage, TState>;
}

/** Adopts CSS (bundled as text by scripts/build.mjs) as a constructed stylesheet: no inline styles, so the CSP needs no 'unsafe-inline'. */
export function adoptStylesheet(css: string): void {
  const sheet = new CSSStyleSheet();
  sheet.replaceSync(css);
  document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
}
