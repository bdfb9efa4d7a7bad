/**
 * The console's key lives in sessionStorage only: gone when the tab closes,
 * never in localStorage, never in a cookie.
 */
const STORAGE_KEY = "switchyard.console.key";

export function loadKey(): string | undefined {
  return sessionStorage.getItem(STORAGE_KEY) ?? undefined;
}

export function saveKey(key: string): void {
  sessionStorage.setItem(STORAGE_KEY, key);
}

export function clearKey(): void {
  sessionStorage.removeItem(STORAGE_KEY);
}
