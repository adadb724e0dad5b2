/** A request that parses (JSON.parse is iterative) but cannot be encoded again (stringify recurses). */
export function deeplyNestedPayload(id: string, depth = 100_000): string {
  const input = `${'['.repeat(depth)}${']'.repeat(depth)}`;
  return `{"v":1,"id":"${id}","ts":0,"deadline":1000,"replyTo":"x","input":${input},"meta":{}}`;
}
