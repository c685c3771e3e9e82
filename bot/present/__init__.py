"""What people read: the catalogs and formats of their language, names of codes, errors in
words, cards, reports, charts, exports, papers and QR posters."""
