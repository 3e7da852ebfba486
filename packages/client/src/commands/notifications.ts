import { visibleText } from '@quorumd/core';
import type { Command } from 'commander';
import type { NotificationSettings, NotificationsView } from '../quorum-client';
import type { CliRun } from './context';

function lines(view: NotificationsView): string {
  const n = view.notifications;
  const out = [
    `E-mail   ${n?.email ? visibleText(n.email) : '(none)'}`,
    `Chat     ${n?.chat ? visibleText(n.chat.url) : '(none)'}`,
    `Events   ${n?.events ? n.events.join(', ') : n ? 'all' : '-'}`,
  ];
  if (view.deliveries.length > 0) {
    out.push('', 'Latest deliveries:');
    for (const d of view.deliveries.slice(0, 10)) out.push(`  ${d.at}  ${d.channel.padEnd(5)} ${d.event.padEnd(20)} ${d.outcome}${d.detail ? ` (${visibleText(d.detail)})` : ''}`);
  }
  return out.join('\n');
}

/** notifications get, set: a user's e-mail and chat channels (docs/notifications.md). */
export function addNotificationCommands(program: Command, run: CliRun): void {
  const notifications = program.command('notifications').description("e-mail and chat notifications: one's own channels (a CO: anyone's, --user)");
  notifications
    .command('get')
    .description('show the channels and the latest deliveries')
    .option('--user <id>', 'another user (a CO)')
    .action(async (opts: { user?: string }) => {
      const view = await run.client().notifications(opts.user ? Number(opts.user) : run.me());
      run.print(lines(view), view);
    });
  notifications
    .command('set')
    .description('set the channels: what is not given is removed')
    .option('--email <address>', 'the e-mail address to be told at')
    .option('--chat-url <url>', 'a Slack-compatible incoming webhook (Slack, Mattermost, Rocket.Chat)')
    .option('--events <events>', 'comma-separated events to hear of (default: all), e.g. approval.requested,approval.reminder')
    .option('--user <id>', 'another user (a CO)')
    .action(async (opts: { email?: string; chatUrl?: string; events?: string; user?: string }) => {
      const settings: NotificationSettings = {};
      if (opts.email) settings.email = opts.email;
      if (opts.chatUrl) settings.chat = { url: opts.chatUrl, format: 'slack' };
      if (opts.events) settings.events = opts.events.split(',').map((e) => e.trim()).filter(Boolean);
      const view = await run.client().setNotifications(opts.user ? Number(opts.user) : run.me(), settings);
      run.print(lines(view), view);
    });
}
