import { AssignerProtocol, type Cluster, PartitionAssigners } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { SHARED_ROUND_ROBIN, sharedGroupAssigners } from '../src/shared-group-assigners.js';

const cluster = {
  findTopicPartitionMetadata: (topic: string) =>
    Array.from({ length: topic === 'requests' ? 8 : 1 }, (_, partitionId) => ({ partitionId })),
} as unknown as Cluster;
const config = { cluster, groupId: 'g', logger: {} as never };

describe('sharedGroupAssigners', () => {
  const [shared, own] = sharedGroupAssigners({ PartitionAssigners }).map((a) => a(config));

  it("offers librdkafka's protocol name first and kafkajs's own second", () => {
    expect(shared!.name).toBe(SHARED_ROUND_ROBIN);
    expect(SHARED_ROUND_ROBIN).toBe('roundrobin');
    expect(own!.name).toBe('RoundRobinAssigner');
    const protocol = shared!.protocol({ topics: ['requests'] });
    expect(protocol.name).toBe('roundrobin');
    // The standard consumer-protocol subscription librdkafka decodes: version, topics, user data.
    expect(AssignerProtocol.MemberMetadata.decode(protocol.metadata)).toMatchObject({
      version: 0,
      topics: ['requests'],
    });
  });

  it('assigns every partition once, round robin, in the standard assignment encoding', async () => {
    const members = ['rdkafka-b', 'kafkajs-a'].map((memberId) => ({
      memberId,
      memberMetadata: shared!.protocol({ topics: ['requests'] }).metadata,
    }));
    const result = await shared!.assign({ members, topics: ['requests'] });
    const decoded = result.map((r) => ({
      memberId: r.memberId,
      partitions: AssignerProtocol.MemberAssignment.decode(r.memberAssignment)?.assignment.requests,
    }));
    expect(decoded.sort((a, b) => a.memberId.localeCompare(b.memberId))).toEqual([
      { memberId: 'kafkajs-a', partitions: [0, 2, 4, 6] },
      { memberId: 'rdkafka-b', partitions: [1, 3, 5, 7] },
    ]);
  });
});
