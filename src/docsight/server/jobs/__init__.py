"""Jobs: the SQL store (the truth), blob storage, the service and the queue backends."""
