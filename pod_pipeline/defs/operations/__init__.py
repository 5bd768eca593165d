"""What an operator watches: the upload funnel (upload to live) and artworks left waiting."""
