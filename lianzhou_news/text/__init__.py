"""Pure text functions on plain strings, shared by the loaders, the extractor and the pipelines.

Nothing here knows about Scrapy; each function is tested by its doctests.

* ``cleaning``: one line of page text normalised (pinyin, spaces, invisibles);
* ``lines``: what a line is (chrome, end marker, stop line, info line) and what
  an info line says (来源, 发布时间);
* ``dates``: publication times in Beijing time (``Timestamp``, ``parse_timestamp``);
* ``credits``: credit lines and photo-caption credits, role -> names;
* ``script``: Simplified or Traditional, conversion between them, and mojibake.
"""
