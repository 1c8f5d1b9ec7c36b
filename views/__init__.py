"""The view layer below the callbacks: what a URL asks for (views.view), which role may open which
screen (views.pages), and what each screen shows, built once for the screen, its CSV, its PDF and
the command line (views.screens, views.tables)."""
