// What a consumer group is doing, from the broker: its members and the topic partitions assigned to
// them (decoded from the group's member assignments), so a test can check that a service runs one
// member whatever the number of elections, and that a finished election is read by nobody.
import kafkajs from 'kafkajs';
import type { Admin } from 'kafkajs';

/** The group's state, its member count, and every assigned partition by topic. */
export async function groupAssignment(
  admin: Admin,
  groupId: string,
): Promise<{ state: string; members: number; topics: Map<string, number[]> }> {
  const [group] = (await admin.describeGroups([groupId])).groups;
  const topics = new Map<string, number[]>();
  for (const m of group?.members ?? []) {
    const decoded = kafkajs.AssignerProtocol.MemberAssignment.decode(m.memberAssignment);
    for (const [topic, partitions] of Object.entries(decoded?.assignment ?? {})) {
      topics.set(
        topic,
        [...(topics.get(topic) ?? []), ...partitions].sort((a, b) => a - b),
      );
    }
  }
  return { state: group?.state ?? 'Dead', members: group?.members.length ?? 0, topics };
}
