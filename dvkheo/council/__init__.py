"""The council ("Hội đồng xét chọn"): its membership, secret ballot and minutes."""
