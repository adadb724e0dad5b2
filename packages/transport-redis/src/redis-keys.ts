/**
 * The names of every key and channel a {@link RedisTransport} touches, all under one prefix:
 * streams `<prefix>s:<name>`, reply streams `<prefix>r:<address>`, the registry of live return
 * addresses `<prefix>replies`, reply-tap groups `<prefix>tap-groups`, channels `<prefix>ch:<name>`.
 */
export class RedisKeys {
  /** The ZSET of live return addresses (score = when the address expires). */
  readonly replies: string;
  /** The SET of the groups that read every reply (`ensureGroup(REPLY_TAP, group)`). */
  readonly tapGroups: string;

  constructor(private readonly prefix: string) {
    this.replies = `${prefix}replies`;
    this.tapGroups = `${prefix}tap-groups`;
  }

  stream(stream: string): string {
    return `${this.prefix}s:${stream}`;
  }

  reply(address: string): string {
    return `${this.prefix}r:${address}`;
  }

  /** The return address a reply stream key belongs to. */
  addressOf(replyKey: string): string {
    return replyKey.slice(this.reply('').length);
  }

  channel(channel: string): string {
    return `${this.prefix}ch:${channel}`;
  }

  /** The broadcast channel a pub/sub channel name belongs to. */
  channelOf(name: string): string {
    return name.slice(this.channel('').length);
  }
}
