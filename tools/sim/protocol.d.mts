export declare const SLOT: { readonly reply: 0; readonly replyLength: 1; readonly signal: 2; readonly stallMs: 3; readonly wifiUp: 4; readonly wake: 5 };
export declare const SIGNAL: { readonly stop: 1; readonly reset: 2; readonly interrupt: 4 };
export declare const SLOT_COUNT: number;
export declare const HEADER_BYTES: number;
export declare const DATA_BYTES: number;
export declare const MAX_RECV_BYTES: number;
