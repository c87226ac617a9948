def test_home_page_is_vietnamese(client):
    response = client.get("/")
    assert response.status_code == 200
    assert "Dân vận khéo" in response.get_data(as_text=True)
