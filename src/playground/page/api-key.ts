import { useState } from 'react';

const KEY = 'ballast.playground.apiKey';

/** The key the user types lives in this tab only (sessionStorage): gone when the tab closes, never sent anywhere but Ballast. */
export function useApiKey(): [string, (key: string) => void] {
  const [key, setKey] = useState(() => sessionStorage.getItem(KEY) ?? '');
  const update = (next: string): void => {
    setKey(next);
    if (next) {
      sessionStorage.setItem(KEY, next);
    } else {
      sessionStorage.removeItem(KEY);
    }
  };
  return [key, update];
}
