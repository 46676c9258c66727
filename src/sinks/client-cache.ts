/**
 * AWS clients kept per distinct sink config, so connections and assumed-role credentials stay warm
 * between batches. Bounded: past `max` entries the oldest client is destroyed.
 */
export function createClientCache<C extends { destroy(): void }>(max = 256) {
  const clients = new Map<string, C>();
  return {
    get(key: readonly unknown[], create: () => C): C {
      const id = JSON.stringify(key);
      let client = clients.get(id);
      if (!client) {
        if (clients.size >= max) {
          const [oldestId, oldest] = clients.entries().next().value!;
          oldest.destroy();
          clients.delete(oldestId);
        }
        client = create();
        clients.set(id, client);
      }
      return client;
    },
  };
}
