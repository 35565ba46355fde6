CREATE TABLE `change_events` (
	`cursor` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`resource` text NOT NULL,
	`resource_id` integer NOT NULL,
	`op` text NOT NULL,
	`at` integer NOT NULL,
	`article_id` integer,
	`section_id` integer,
	`source_id` integer,
	`prev_section_id` integer,
	`prev_source_id` integer,
	`reader_before` integer NOT NULL,
	`reader_after` integer NOT NULL,
	`pending` integer DEFAULT false NOT NULL,
	`visible_at` integer,
	CONSTRAINT "change_events_resource_check" CHECK("change_events"."resource" IN ('article', 'section', 'source', 'relatedLink')),
	CONSTRAINT "change_events_op_check" CHECK("change_events"."op" IN ('create', 'update', 'delete'))
);
--> statement-breakpoint
CREATE INDEX `change_events_resource_idx` ON `change_events` (`resource`,`resource_id`,`cursor`);--> statement-breakpoint
CREATE INDEX `change_events_pending_idx` ON `change_events` (`visible_at`) WHERE "change_events"."pending" = 1;--> statement-breakpoint
CREATE TABLE `webhook_deliveries` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`webhook_id` integer NOT NULL,
	`event_id` text NOT NULL,
	`event_type` text NOT NULL,
	`payload` text NOT NULL,
	`status` text DEFAULT 'pending' NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`next_attempt_at` integer,
	`last_status_code` integer,
	`last_error` text,
	`created_at` integer NOT NULL,
	`last_attempt_at` integer,
	`delivered_at` integer,
	FOREIGN KEY (`webhook_id`) REFERENCES `webhooks`(`id`) ON UPDATE no action ON DELETE cascade,
	CONSTRAINT "webhook_deliveries_status_check" CHECK("webhook_deliveries"."status" IN ('pending', 'succeeded', 'failed'))
);
--> statement-breakpoint
CREATE INDEX `webhook_deliveries_due_idx` ON `webhook_deliveries` (`status`,`next_attempt_at`);--> statement-breakpoint
CREATE INDEX `webhook_deliveries_webhook_idx` ON `webhook_deliveries` (`webhook_id`,`id`);--> statement-breakpoint
CREATE TABLE `webhooks` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`url` text NOT NULL,
	`events` text NOT NULL,
	`secret` text NOT NULL,
	`active` integer DEFAULT true NOT NULL,
	`failure_count` integer DEFAULT 0 NOT NULL,
	`disabled_reason` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
-- Backfill (hand-written): a database that already holds content gets one create event per row,
-- so that a partner replaying the feed from the start ends with the same content. Trashed articles
-- are left out (the feed's delete means gone). Readers' flags follow src/changes/recorder.ts.
INSERT INTO `change_events` (`resource`, `resource_id`, `op`, `at`, `reader_before`, `reader_after`)
SELECT 'section', `id`, 'create', `created_at`, 0, 1 FROM `sections` ORDER BY `id`;
--> statement-breakpoint
INSERT INTO `change_events` (`resource`, `resource_id`, `op`, `at`, `reader_before`, `reader_after`)
SELECT 'source', `id`, 'create', `created_at`, 0, 1 FROM `sources` ORDER BY `id`;
--> statement-breakpoint
INSERT INTO `change_events` (`resource`, `resource_id`, `op`, `at`, `article_id`, `section_id`, `source_id`, `prev_section_id`, `prev_source_id`, `reader_before`, `reader_after`, `pending`, `visible_at`)
SELECT 'article', `id`, 'create', `updated_at`, `id`, `section_id`, `source_id`, `section_id`, `source_id`, 0,
  COALESCE(`status` = 'published' AND `published_at` <= CAST(unixepoch('subsec') * 1000 AS INTEGER), 0),
  COALESCE(`status` = 'published' AND `published_at` > CAST(unixepoch('subsec') * 1000 AS INTEGER), 0),
  CASE WHEN `status` = 'published' AND `published_at` > CAST(unixepoch('subsec') * 1000 AS INTEGER) THEN `published_at` END
FROM `articles` WHERE `deleted_at` IS NULL ORDER BY `id`;
--> statement-breakpoint
INSERT INTO `change_events` (`resource`, `resource_id`, `op`, `at`, `article_id`, `section_id`, `source_id`, `prev_section_id`, `prev_source_id`, `reader_before`, `reader_after`)
SELECT 'relatedLink', l.`id`, 'create', l.`created_at`, a.`id`, a.`section_id`, a.`source_id`, a.`section_id`, a.`source_id`, 0,
  COALESCE(a.`status` = 'published' AND a.`published_at` <= CAST(unixepoch('subsec') * 1000 AS INTEGER), 0)
FROM `related_links` l JOIN `articles` a ON a.`id` = l.`article_id` WHERE a.`deleted_at` IS NULL ORDER BY l.`id`;
