// One change the commander makes: sends it, shows the API's refusal as it is, and refreshes the page.
import { useState } from 'react';
import { ApiError } from '../../api';

export function useAction(after: () => void) {
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const run = async (send: () => Promise<unknown>): Promise<boolean> => {
    setBusy(true);
    setError(undefined);
    try {
      await send();
      after();
      return true;
    } catch (err) {
      setError(err instanceof ApiError ? err.message : String(err));
      return false;
    } finally {
      setBusy(false);
    }
  };
  return { run, error, busy };
}
