-- Whether a document's text marks its pages (issue 15): a Word file that records no page starts, plain text
-- or HTML has none, and the chat then offers no page citations for it. Documents extracted before this
-- column existed are judged by their text: the page markers are lines "[Page N]".
ALTER TABLE documents ADD COLUMN pages_known BOOLEAN NOT NULL DEFAULT false;
UPDATE documents SET pages_known = true WHERE extracted_text ~ '(^|\n)\[Page [0-9]+\](\n|$)';
