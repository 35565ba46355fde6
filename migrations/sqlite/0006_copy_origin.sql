ALTER TABLE `change_events` ADD `origin` text;--> statement-breakpoint
CREATE UNIQUE INDEX `change_events_origin_unique` ON `change_events` (`origin`) WHERE "change_events"."origin" IS NOT NULL;