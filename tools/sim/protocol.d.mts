export declare const SLOT: { readonly reply: 0; readonly replyLength: 1; readonly signal: 2; readonly stallMs: 3; readonly wake: 5; readonly wifiStatus: 6 };
export declare const WIFI_STATUS: readonly ['IDLE', 'CONNECTING', 'GOT_IP', 'WRONG_PASSWORD', 'NO_AP_FOUND'];
export declare const READY_BASE: number;
export declare const READY_SLOTS: number;
export declare const SIGNAL: { readonly stop: 1; readonly reset: 2; readonly interrupt: 4 };
export declare const SLOT_COUNT: number;
export declare const HEADER_BYTES: number;
export declare const DATA_BYTES: number;
export declare const MAX_RECV_BYTES: number;
