import type { Caller } from '../domain/caller.js';

export interface AppEnv {
  Variables: {
    caller: Caller;
    requestId: string;
  };
}
