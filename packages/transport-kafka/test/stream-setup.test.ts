import { REPLY_TAP } from '@rendezvous-ml/core';
import { describe, expect, it } from 'vitest';
import { StreamSetup } from '../src/stream-setup.js';
import { TopicNames } from '../src/topic-names.js';

function setupOf() {
  const calls: string[] = [];
  const tapGroups = new Set<string>();
  const setup = new StreamSetup<'conn'>({
    names: new TopicNames('p.'),
    topics: {
      ensureTopic: async (c, topic, partitions) => {
        calls.push(`${c} ensure ${topic}/${partitions}`);
        return true;
      },
      positionAtEnd: async (c, groupId, topic) =>
        void calls.push(`${c} position ${groupId} ${topic}`),
    },
    partitions: 4,
    tapGroups,
    positionTap: async (c, groupId) => void calls.push(`${c} tap ${groupId}`),
  });
  return { setup, calls, tapGroups };
}

describe('StreamSetup', () => {
  it("creates a stream's topic, then places a new group at its end", async () => {
    const { setup, calls } = setupOf();
    await setup.ensureGroup('conn', 'requests', 'model:dt@1');
    const names = new TopicNames('p.');
    expect(calls).toEqual([
      `conn ensure ${names.stream('requests')}/4`,
      `conn position ${names.group('model:dt@1')} ${names.stream('requests')}`,
    ]);
  });

  it('places a tap group on the reply topics and records it as a tap group', async () => {
    const { setup, calls, tapGroups } = setupOf();
    await setup.ensureGroup('conn', REPLY_TAP, 'archiver');
    const groupId = new TopicNames('p.').group('archiver');
    expect(calls).toEqual([`conn tap ${groupId}`]);
    expect([...tapGroups]).toEqual([groupId]);
  });

  it('topicOf creates the topic a publish writes to', async () => {
    const { setup, calls } = setupOf();
    expect(await setup.topicOf('conn', 'results')).toBe(new TopicNames('p.').stream('results'));
    expect(calls).toHaveLength(1);
  });
});
