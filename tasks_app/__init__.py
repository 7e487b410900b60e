"""tasks_app: plans and their life cycle. Plans, tasks, responsibilities, assignments, reports,
evidence, extensions, the access layer, working days, the import of a document and its parser."""
