// One change a person makes from a screen: sends it, keeps the API's refusal to show as it is, and
// runs what follows a success (a refresh).
import { useState } from 'react';
import { refusalOf } from './api';

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
      setError(refusalOf(err));
      return false;
    } finally {
      setBusy(false);
    }
  };
  return { run, error, busy };
}
