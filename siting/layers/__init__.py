"""The four data layers, each a pure function returning a DataFrame by ``site_id``.

``facility`` holds the site-independent model of the gigafactory that they share.
"""
