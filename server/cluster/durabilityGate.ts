// Publish-after-persist, between the PostgreSQL DocStore and the Redis room bus of one node.
//
// Why: a node relays a client's update to the other nodes over the bus, and they do not store it
// ("the node that received it stored it"). If that node dies after publishing but before its batch
// commits, every surviving node holds the update in memory but PostgreSQL never gets it: the
// clients that move to a surviving node have nothing to push back (the node already has it), so
// the edit is lost at the next restart. Found by cluster.failover.test.ts. Hence: an update goes on
// the bus only once the append of that same update has committed, and not at all if it failed
// (its clients reconnect and push it again).
//
// How: the sync layer passes the SAME Uint8Array to docs.append() and then bus.publish(). The
// DocStore records the append's promise under that object; the bus awaits it before XADD. Both
// modules are opened by openStorage with the same frozen config object, which keys the gate, so
// no module-level state is shared between two servers in one process. The cleaner seam is in the
// sync layer (publish in the append's .then()); with it this gate simply finds settled promises.
const gates = new WeakMap<object, WeakMap<Uint8Array, Promise<void>>>();

/** The gate of one node (one config object): update bytes -> the promise of their append. */
export function durabilityGate(config: object): WeakMap<Uint8Array, Promise<void>> {
  let g = gates.get(config);
  if (!g) {
    g = new WeakMap();
    gates.set(config, g);
  }
  return g;
}
