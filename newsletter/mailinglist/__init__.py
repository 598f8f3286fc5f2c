"""Working-group mailing lists: members write to the list, the list relays to its members."""
