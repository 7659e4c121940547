"""The ground floor every other package stands on: settings, the rules book, the catalog (the one
place that knows warehouse paths), the calendar and the Chinese labels of every code."""
