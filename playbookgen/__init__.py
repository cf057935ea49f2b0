"""playbookgen: turn deal retrospectives into a published, searchable sales playbook."""

__version__ = "0.1.0"
