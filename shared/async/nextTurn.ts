// Gives the thread back for one turn of the event loop: long work on the server's one thread
// (a busy room's first checks, the bulk speck removal) is cut into pieces so every socket's sync
// runs between them. setImmediate where there is one (Node: no 1 ms timer floor), else a timer.
export const nextTurn = (): Promise<void> => new Promise<void>((r) => (typeof setImmediate === 'function' ? setImmediate(r) : setTimeout(r, 0)));
