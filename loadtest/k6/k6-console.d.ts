// k6's global `console`, which @types/k6 does not declare: the methods k6 gives it
// (internal/js/console.go in grafana/k6: log, debug, info, warn, error; arguments joined by a
// space, objects rendered, one log entry per call). Declared here rather than through the DOM
// lib, so nothing else of a browser type-checks in a k6 script.
declare global {
  var console: {
    log(...args: unknown[]): void;
    debug(...args: unknown[]): void;
    info(...args: unknown[]): void;
    warn(...args: unknown[]): void;
    error(...args: unknown[]): void;
  };
}

export {};
