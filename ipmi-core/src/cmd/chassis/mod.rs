//! NetFn Chassis (0x00) commands.
