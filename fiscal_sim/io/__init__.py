"""The edges: Excel, charts, fonts, records, CSV and the command line. The core never imports them."""
