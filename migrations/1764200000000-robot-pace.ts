import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The IM robots' queue (activities/notify/robots/pace.ts): one row per message waiting for, or
 * recently given, a turn at a robot, so workers share each robot's limit (DingTalk, WeCom: 20 a
 * minute). `robot` is a hash of the robot's URL, never the URL (it holds the robot's key).
 */
export class RobotPace1764200000000 implements MigrationInterface {
  name = 'RobotPace1764200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE robot_sends (
        id bigserial PRIMARY KEY,
        robot text NOT NULL,
        queued_at timestamptz NOT NULL,
        alive_at timestamptz NOT NULL,
        started_at timestamptz,
        done_at timestamptz
      )`);
    await q.query(`CREATE INDEX robot_sends_robot ON robot_sends (robot, id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE robot_sends`);
  }
}
