// Live screens poll the API every 1.5 s (console.md: no slower than 2 s), without a reload; a
// refusal stops nothing else on the page and is shown as the API said it.
import { useCallback, useEffect, useRef, useState } from 'react';
import { api, ApiError } from './api';

export const LIVE_EVERY_MS = 1500;

export function useLive<T>(path: string | null, everyMs = LIVE_EVERY_MS): { data?: T; error?: ApiError; reload: () => void } {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<ApiError>();
  const [tick, setTick] = useState(0);
  const current = useRef(path);
  current.current = path;
  const reload = useCallback(() => setTick((t) => t + 1), []);

  useEffect(() => {
    if (!path) return;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = async () => {
      try {
        const next = await api.get<T>(path);
        if (!stopped && current.current === path) {
          setData(next);
          setError(undefined);
        }
      } catch (err) {
        if (!stopped) setError(err instanceof ApiError ? err : new ApiError(0, String(err)));
      }
      if (!stopped && everyMs > 0) timer = setTimeout(poll, everyMs);
    };
    void poll();
    return () => {
      stopped = true;
      if (timer) clearTimeout(timer);
    };
  }, [path, everyMs, tick]);

  return { data, error, reload };
}
