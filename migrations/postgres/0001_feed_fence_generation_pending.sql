CREATE TABLE "content_generation" (
	"id" integer PRIMARY KEY NOT NULL,
	"value" bigint NOT NULL,
	CONSTRAINT "content_generation_one_row" CHECK ("content_generation"."id" = 1)
);
--> statement-breakpoint
CREATE TABLE "import_pending_links" (
	"list" text NOT NULL,
	"position" bigint GENERATED ALWAYS AS IDENTITY (sequence name "import_pending_links_position_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"article_id" bigint NOT NULL,
	"line" integer NOT NULL,
	"status" text NOT NULL,
	"external_id" text,
	"slug" text,
	"links" text NOT NULL,
	CONSTRAINT "import_pending_links_list_position_pk" PRIMARY KEY("list","position")
);
--> statement-breakpoint
ALTER TABLE "change_events" ADD COLUMN "xid" "xid8" DEFAULT pg_current_xact_id() NOT NULL;--> statement-breakpoint
CREATE INDEX "import_pending_links_article_idx" ON "import_pending_links" USING btree ("list","article_id");--> statement-breakpoint
CREATE INDEX "article_search_tsv_idx" ON "article_search" USING gin ("tsv");--> statement-breakpoint
CREATE INDEX "change_events_xid_idx" ON "change_events" USING btree ("xid","cursor");--> statement-breakpoint
INSERT INTO "content_generation" ("id", "value") VALUES (1, 0);