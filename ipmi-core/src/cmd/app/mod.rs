//! NetFn App (0x06) commands.
