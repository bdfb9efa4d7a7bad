/**
 * The few browser globals the console test's page.evaluate callbacks use.
 * The tests compile against Node's types (no DOM library), and those
 * callbacks run in the page: they reach the globals through this view.
 */
export interface BrowserGlobals {
  readonly sessionStorage: StorageView;
  readonly localStorage: StorageView;
  readonly document: {
    readonly body: unknown;
    querySelector(selector: string): { readonly textContent: string | null } | null;
  };
  readonly MutationObserver: new (
    callback: () => void,
  ) => { observe(target: unknown, options: Record<string, boolean>): void };
  /** The texts the answer showed, in order (set by the test). */
  seen: string[];
}

interface StorageView {
  readonly length: number;
  key(index: number): string | null;
  getItem(key: string): string | null;
}
