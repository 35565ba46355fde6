-- Rebuilds articles with its small columns first and the body last (SQLite's 12-step table
-- change). A body of a few kilobytes spills into overflow pages, and SQLite reads a row's columns
-- in order: with the body in the middle, every list, filter and revalidation that read status,
-- published_at or tags walked the body's pages too. Ids, the AUTOINCREMENT high-water mark and
-- every index are kept. migrateDatabase (src/db/connection.ts) runs migrations with foreign keys
-- off, as this procedure requires, and checks them before committing.
CREATE TABLE `articles_new` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`status` text DEFAULT 'draft' NOT NULL,
	`published_at` integer,
	`deleted_at` integer,
	`section_id` integer NOT NULL,
	`source_id` integer,
	`version` integer DEFAULT 1 NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`created_by` integer,
	`updated_by` integer,
	`slug` text NOT NULL,
	`external_id` text,
	`title` text NOT NULL,
	`subtitle` text,
	`summary` text,
	`byline` text,
	`tags` text DEFAULT '[]' NOT NULL,
	`source_url` text,
	`cover_image_url` text,
	`body_text` text DEFAULT '' NOT NULL,
	`body` text DEFAULT '' NOT NULL,
	FOREIGN KEY (`section_id`) REFERENCES `sections`(`id`) ON UPDATE no action ON DELETE restrict,
	FOREIGN KEY (`source_id`) REFERENCES `sources`(`id`) ON UPDATE no action ON DELETE restrict,
	CONSTRAINT "articles_status_check" CHECK("articles_new"."status" IN ('draft', 'published', 'archived')),
	CONSTRAINT "articles_version_check" CHECK("articles_new"."version" >= 1)
);--> statement-breakpoint
INSERT INTO `articles_new` (`id`, `status`, `published_at`, `deleted_at`, `section_id`, `source_id`, `version`, `created_at`, `updated_at`, `created_by`, `updated_by`, `slug`, `external_id`, `title`, `subtitle`, `summary`, `byline`, `tags`, `source_url`, `cover_image_url`, `body_text`, `body`)
SELECT `id`, `status`, `published_at`, `deleted_at`, `section_id`, `source_id`, `version`, `created_at`, `updated_at`, `created_by`, `updated_by`, `slug`, `external_id`, `title`, `subtitle`, `summary`, `byline`, `tags`, `source_url`, `cover_image_url`, `body_text`, `body` FROM `articles` ORDER BY `id`;--> statement-breakpoint
-- Purged articles' ids are never reused: carry the high-water mark over.
DELETE FROM `sqlite_sequence` WHERE `name` = 'articles_new';--> statement-breakpoint
INSERT INTO `sqlite_sequence` (`name`, `seq`) SELECT 'articles_new', `seq` FROM `sqlite_sequence` WHERE `name` = 'articles';--> statement-breakpoint
DROP TABLE `articles`;--> statement-breakpoint
ALTER TABLE `articles_new` RENAME TO `articles`;--> statement-breakpoint
CREATE UNIQUE INDEX `articles_slug_unique` ON `articles` (`slug`);--> statement-breakpoint
CREATE UNIQUE INDEX `articles_external_id_unique` ON `articles` (`external_id`);--> statement-breakpoint
CREATE INDEX `articles_published_idx` ON `articles` (`published_at`,`id`);--> statement-breakpoint
CREATE INDEX `articles_section_published_idx` ON `articles` (`section_id`,`published_at`,`id`);--> statement-breakpoint
CREATE INDEX `articles_source_published_idx` ON `articles` (`source_id`,`published_at`,`id`);--> statement-breakpoint
CREATE INDEX `articles_status_published_idx` ON `articles` (`status`,`published_at`,`id`);--> statement-breakpoint
CREATE INDEX `articles_updated_idx` ON `articles` (`updated_at`,`id`);--> statement-breakpoint
CREATE INDEX `articles_created_idx` ON `articles` (`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `articles_title_idx` ON `articles` (`title`,`id`);--> statement-breakpoint
CREATE INDEX `articles_search_idx` ON `articles` (`id`, `status`, `published_at`, `deleted_at`, `section_id`, `source_id`);--> statement-breakpoint
CREATE INDEX `articles_status_updated_idx` ON `articles` (`status`,`updated_at`,`id`);--> statement-breakpoint
CREATE INDEX `articles_status_created_idx` ON `articles` (`status`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `articles_status_title_idx` ON `articles` (`status`,`title`,`id`);--> statement-breakpoint
CREATE INDEX `articles_trash_idx` ON `articles` (`deleted_at`) WHERE "articles"."deleted_at" IS NOT NULL;
