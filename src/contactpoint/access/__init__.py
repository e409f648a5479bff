"""Access: organisations, accounts, roles and the rules of who may see what."""
