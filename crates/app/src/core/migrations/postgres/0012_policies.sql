-- The policy documents are the core's (each capability owns a section of them), so their
-- table loses the callbacks prefix it had when callbacks were the only section.

ALTER TABLE callback_policies RENAME TO policies;
